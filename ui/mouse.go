package ui

import tea "github.com/charmbracelet/bubbletea"

// click selects what is under the mouse: a pane, and the tree row or the
// finding on that line.
func (m Model) click(x, y int) (tea.Model, tea.Cmd) {
	y -= len(m.headerLines()) + m.bannerLines() + 1 // the first row below a pane's title
	if y < -1 || m.showHelp || m.mode != modeNormal {
		return m, nil
	}
	target := m.focus
	row := y
	if m.wide() {
		tw, _ := m.paneSize(paneTree)
		_, dh := m.paneSize(paneDetail)
		switch {
		case x < tw:
			target = paneTree
		case y < dh:
			target = paneDetail
		default:
			target, row = paneFindings, y-dh-1
		}
	}
	if target == paneFindings && m.report == nil {
		return m, nil
	}
	m.setFocus(target)
	switch target {
	case paneTree:
		before := m.tree.Selected()
		if m.tree.SelectRow(row) && m.tree.Selected() != before {
			m.touched, m.moved = true, true
		}
	case paneFindings:
		m.findings.SelectRow(row)
	}
	m.updateDetail()
	return m, nil
}
