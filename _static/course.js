// The course's additions to the theme (Jupyter Book loads every .js file in _static/).

// A code block or output that scrolls sideways can be scrolled with the keyboard too: it takes
// the focus (WCAG 2.1.1, axe's "scrollable-region-focusable").
function focusScrollableBlocks() {
  for (const block of document.querySelectorAll("pre, span.math, mjx-container[display='true']")) {
    if (block.scrollWidth > block.clientWidth + 1 && !block.hasAttribute("tabindex")) {
      block.setAttribute("tabindex", "0");
    }
  }
}

window.addEventListener("load", () => {
  focusScrollableBlocks();
  // Formulas are typeset after the page loads: look again once MathJax is done.
  window.MathJax?.startup?.promise?.then(focusScrollableBlocks);
});
