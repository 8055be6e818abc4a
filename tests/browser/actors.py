"""Two ways of operating a page, so that one journey can be walked with a mouse or the keyboard.

Pointer   clicks, fills and ticks as Playwright does (also used with JavaScript switched off)
Keyboard  Tab, Shift+Tab, Space, Enter, the arrow keys and typing only: never a click, and
          every control must be reached by tabbing to it, so a control the keyboard cannot
          reach fails the journey

Both take Playwright locators: `actor.choose(radio)`, `actor.tick(checkbox)`,
`actor.fill(field, text)`, `actor.select(select, label)`, `actor.press(button_or_link)`.
`actor.press` waits for the navigation it starts when `navigates=True` (the default).
"""


class Pointer:
    name = "pointer"

    def __init__(self, page):
        self.page = page

    def choose(self, radio) -> None:
        radio.check()

    def tick(self, checkbox) -> None:
        checkbox.check()

    def fill(self, field, text: str) -> None:
        field.fill(text)

    def select(self, select, label: str) -> None:
        select.select_option(label=label)

    def press(self, control, *, navigates: bool = True) -> None:
        if navigates:
            with self.page.expect_navigation():
                control.click()
            self.page.wait_for_load_state()
        else:
            control.click()


class Keyboard:
    """Operates the page with the keyboard alone."""

    name = "keyboard"
    MAX_TABS = 250

    def __init__(self, page):
        self.page = page

    def _focused(self, locator) -> bool:
        return locator.evaluate("el => el === document.activeElement")

    def focus(self, locator) -> None:
        """Press Tab until the element has focus; fail if the keyboard cannot reach it."""
        locator.wait_for(state="visible")
        for _ in range(self.MAX_TABS):
            if self._focused(locator):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"{locator} cannot be reached with the Tab key on {self.page.url}")

    def _focus_group(self, radio) -> None:
        """Tab into the radio group (Tab stops once per group), then arrow to the option."""
        name = radio.get_attribute("name")
        radio.wait_for(state="visible")
        for _ in range(self.MAX_TABS):
            if self.page.evaluate(
                "name => document.activeElement && document.activeElement.name === name", name
            ):
                break
            self.page.keyboard.press("Tab")
        else:
            raise AssertionError(f"radios {name!r} cannot be reached with Tab on {self.page.url}")
        count = self.page.locator(f"input[type=radio][name='{name}']").count()
        for _ in range(count + 1):
            if self._focused(radio):
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"arrow keys do not reach {radio} on {self.page.url}")

    def choose(self, radio) -> None:
        self._focus_group(radio)
        if not radio.is_checked():
            self.page.keyboard.press("Space")
        assert radio.is_checked(), f"{radio} not chosen with the keyboard"

    def tick(self, checkbox) -> None:
        self.focus(checkbox)
        if not checkbox.is_checked():
            self.page.keyboard.press("Space")
        assert checkbox.is_checked(), f"{checkbox} not ticked with the keyboard"

    def fill(self, field, text: str) -> None:
        self.focus(field)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Delete")
        self.page.keyboard.type(text)

    def select(self, select, label: str) -> None:
        """A closed <select> takes typed letters: typing an option's name chooses it."""
        self.focus(select)
        self.page.keyboard.type(label)
        chosen = select.evaluate("el => el.options[el.selectedIndex].text")
        assert chosen == label, f"typing {label!r} chose {chosen!r}"

    def press(self, control, *, navigates: bool = True) -> None:
        self.focus(control)
        if navigates:
            with self.page.expect_navigation():
                self.page.keyboard.press("Enter")
            self.page.wait_for_load_state()
        else:
            self.page.keyboard.press("Enter")
