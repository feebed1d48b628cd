"""GraphiQL in development: the hub's own copy, no script from elsewhere, and operations run as the
signed-in professional with the browser session."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.browser import Visitor

_SET_QUERY = "query => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(query)"


class TestGraphiqlWithTheBrowserSession:
    def test_an_operation_run_in_graphiql_answers_as_the_signed_in_professional(self, visit: Visitor) -> None:
        visit.sign_in_as("Sarah Okafor")
        loaded: list[str] = []
        visit.page.on("request", lambda request: loaded.append(request.url))
        page = visit.open("/graphql")

        expect(page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible()
        page.evaluate(_SET_QUERY, "{ me { name } }")
        page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()

        expect(page.locator(".result-window")).to_contain_text('"name": "Sarah Okafor"')
        assert loaded and all(url.startswith(visit.base_url) for url in loaded)
        visit.screenshot("graphiql")

    def test_signed_out_graphiql_says_how_to_sign_in_and_its_operations_are_refused(self, visit: Visitor) -> None:
        page = visit.open("/graphql")

        expect(page.locator("#graphiql-caller")).to_contain_text("You are not signed in")
        page.evaluate(_SET_QUERY, "{ me { name } }")
        page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()

        expect(page.locator(".result-window")).to_contain_text("a bearer token is required")
        # The browser logs the refused request; it was the point of the test.
        visit.problems[:] = [problem for problem in visit.problems if "status of 401" not in problem]
