"""The /people page: search, filters, result cards and a Follow that goes through, in headless Chromium."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

from tests.people.directory_people import add_person

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser() -> Iterator:
    """Headless Chromium with JavaScript switched off: the page must work without it."""
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are missing: .ci/run installs them")
        pytest.skip("needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    with tempfile.TemporaryDirectory() as profile:
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(flag)
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()


def search(driver, **fields: str) -> None:
    from selenium.webdriver.common.by import By

    for name, value in fields.items():
        box = driver.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)
    submit_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form.search button[type=submit]"))


def submit_and_wait(driver, button) -> None:
    """Click and wait for the next page: without JavaScript every search is a page load."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    old_page = driver.find_element(By.TAG_NAME, "html")

    def old_page_gone(_driver) -> bool:
        try:
            old_page.is_enabled()
        except WebDriverException:
            # Stale, or (Chromium, mid-navigation) "Node with given id does not belong to the document".
            return True
        return False

    button.click()
    WebDriverWait(driver, 15).until(old_page_gone)
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def cards(driver) -> list[dict[str, str]]:
    from selenium.webdriver.common.by import By

    found = []
    for card in driver.find_elements(By.CSS_SELECTOR, "article.person"):

        def text(selector: str, card=card) -> str:
            parts = card.find_elements(By.CSS_SELECTOR, selector)
            return parts[0].text if parts else ""

        found.append(
            {
                "name": text(".p-name"),
                "title": text(".title"),
                "department": text(".department"),
                "node": text(".node"),
                "avatar": card.find_element(By.CSS_SELECTOR, "img.avatar").get_attribute("src"),
                "follow": card.find_element(By.CSS_SELECTOR, "a.follow").get_attribute("href"),
            }
        )
    return found


def test_people_are_searched_filtered_and_followed_from_the_page(start_node, browser):
    from selenium.webdriver.common.by import By

    node = start_node()
    viewer = node.add_user("viewer", password="viewer password")
    node.cli("user", "add", "ana", "--password", "pw-ana-123456", "--display-name", "Ana Gómez")
    node.cli(
        "user",
        "set",
        "ana",
        "--department",
        "Platform Engineering",
        "--title",
        "Site Reliability Engineer",
        "--location",
        "Wien",
        "--skills",
        "Kubernetes;Go",
    )
    node.cli("user", "add", "juergen", "--password", "pw-juergen-123456", "--display-name", "Jürgen Müller")
    node.cli("user", "set", "juergen", "--department", "Finance", "--title", "Controller", "--location", "Köln")

    browser.get(f"{node.url}/people")
    assert browser.find_element(By.TAG_NAME, "h1").text == "People"
    assert cards(browser) == []

    search(browser, q="kube")
    (ana,) = cards(browser)
    assert ana["name"] == "Ana Gómez"
    assert ana["title"] == "Site Reliability Engineer"
    assert ana["department"] == "Platform Engineering"
    assert ana["node"] == f"on {node.domain}"
    assert ana["avatar"].endswith("/static/avatar.png")
    assert browser.find_element(By.NAME, "q").get_attribute("value") == "kube"  # the form keeps the search

    search(browser, q="mueller")
    assert [c["name"] for c in cards(browser)] == ["Jürgen Müller"]

    search(browser, q="", department="platform")
    assert [c["name"] for c in cards(browser)] == ["Ana Gómez"]
    search(browser, department="", location="koeln")
    assert [c["name"] for c in cards(browser)] == ["Jürgen Müller"]
    search(browser, location="", skill="nobody-has-this")
    assert cards(browser) == []
    assert "Nobody matches" in browser.find_element(By.ID, "summary").text

    search(browser, skill="", q="ana")
    follow = cards(browser)[0]["follow"]
    assert follow.startswith(f"{node.url}/authorize_interaction?uri=")
    browser.get(follow)
    assert browser.find_element(By.CSS_SELECTOR, "#person .p-name").text == "Ana Gómez"
    assert f"@ana@{node.domain}" in browser.find_element(By.CSS_SELECTOR, "#person .handle").text
    browser.find_element(By.ID, "username").send_keys("viewer")
    browser.find_element(By.ID, "password").send_keys("viewer password")
    submit_and_wait(browser, browser.find_element(By.ID, "follow"))
    assert "now follow" in browser.find_element(By.ID, "outcome").text

    with node.client(viewer) as client:
        ana_id = client.get("/api/v1/accounts/lookup", params={"acct": "ana"}).json()["id"]
        (relationship,) = client.get("/api/v1/accounts/relationships", params={"id[]": ana_id}).json()
    assert relationship["following"] is True


async def test_follow_links_go_to_the_viewers_own_node_when_given(local_node):
    await add_person("kim", display_name="Kim Lee", skills=["Kubernetes"], node="ops.example")

    async with local_node.client() as client:
        here = await client.get("/people", params={"q": "kube"})
        elsewhere = await client.get("/people", params={"q": "kube", "home": "https://sales.example/"})
        hostile = await client.get("/people", params={"q": "kube", "home": "evil.example/phish?x="})

    assert here.status_code == 200 and "Kim Lee" in here.text
    follow = "/authorize_interaction?uri=https%3A%2F%2Fops.example%2Fusers%2Fkim"
    assert f"https://flurfunk.test{follow}" in here.text
    assert f"https://sales.example{follow}" in elsewhere.text
    assert "evil.example" not in hostile.text.split("</form>", 1)[1]  # an unusable home falls back to this node


async def test_the_follow_page_refuses_wrong_passwords_and_unknown_people(local_node):
    await local_node.user("viewer", password="right password")
    target = await add_person("kim", display_name="Kim Lee", node="ops.example")

    async with local_node.client() as client:
        unknown = await client.get("/authorize_interaction", params={"uri": "https://nowhere.example/users/x"})
        shown = await client.get("/authorize_interaction", params={"uri": target.actor_uri})
        wrong = await client.post(
            "/authorize_interaction", data={"uri": target.actor_uri, "username": "viewer", "password": "wrong"}
        )

    assert unknown.status_code == 404
    assert shown.status_code == 200 and "@kim@ops.example" in shown.text and 'name="password"' in shown.text
    assert wrong.status_code == 401 and "Invalid user name or password" in wrong.text
