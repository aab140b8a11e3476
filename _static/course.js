// The course's additions to the theme (Jupyter Book loads every .js file in _static/).

// A code block, output or formula that scrolls can be scrolled with the keyboard too: it takes the
// focus (WCAG 2.1.1, axe's "scrollable-region-focusable"). The theme does this for code when the
// page loads; blocks inside a folded solution only scroll once the fold opens, and display
// formulas only once MathJax has typeset them, so look again then.
function focusScrollableBlocks() {
  const blocks = document.querySelectorAll("pre, .cell_output > .output, mjx-container[display='true']");
  for (const block of blocks) {
    const scrolls = block.scrollWidth > block.clientWidth + 1 || block.scrollHeight > block.clientHeight + 1;
    if (scrolls && block.tabIndex < 0) {
      block.tabIndex = 0;
    }
  }
}

window.addEventListener("load", () => {
  focusScrollableBlocks();
  window.MathJax?.startup?.promise?.then(focusScrollableBlocks);
});
// Folds open on a click (sphinx-togglebutton) or as <details> elements.
document.addEventListener("click", () => setTimeout(focusScrollableBlocks, 400));
document.addEventListener("toggle", focusScrollableBlocks, true);
