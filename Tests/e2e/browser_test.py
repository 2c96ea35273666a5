#!/usr/bin/env python3
"""End-to-end tests of hoso's web UI in headless Chromium (selenium).

Run by `swift test` (BrowserTests) against real hub and node processes; the Swift test
writes the configuration (URLs, accounts, unit ids) and this script drives the browser:
every role logs in, an HR officer creates and edits a dossier (with a hostile name),
imports a staff list from a CSV file (dry run first), finds it without diacritics, transfers it to another node's unit where it is accepted,
and the permissions of each role are checked. Screenshots of the main pages go to the
artifacts directory. Exits non-zero, naming the failed step, on the first failure.
"""
import glob, json, os, sys, time, traceback
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

CONFIG = json.load(open(sys.argv[1]))
ART = CONFIG["artifacts"]
os.makedirs(ART, exist_ok=True)
HOSTILE = 'Lê Thị "Hoa" <script>alert(1)</script> O\'Neil'
NEW_PASSWORD = "doi-mat-khau-2026"
console_errors = []
step_name = "start"


def step(name):
    global step_name
    step_name = name
    print(f"• {name}", flush=True)


def browser(width=1366, height=768):
    options = webdriver.ChromeOptions()
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}", "--lang=vi-VN",
                "--disable-gpu", "--no-first-run"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    binary = CONFIG.get("chromium")
    if binary:
        options.binary_location = binary
    driver = webdriver.Chrome(service=Service(CONFIG.get("chromedriver", "/usr/bin/chromedriver")), options=options)
    driver.implicitly_wait(0)
    return driver


def collect_console(d):
    for entry in d.get_log("browser"):
        if entry["level"] == "SEVERE":
            console_errors.append(f"[{step_name}] {entry['message']}")


def wait(d, condition, timeout=20, message=""):
    try:
        # Pages re-render as data arrives: an element found a moment ago may be replaced.
        return WebDriverWait(d, timeout, poll_frequency=0.2,
                             ignored_exceptions=[StaleElementReferenceException, NoSuchElementException]).until(condition)
    except TimeoutException:
        shot(d, "failure-" + step_name.replace(" ", "-")[:40])
        raise AssertionError(f"timed out: {message or condition}")


def el(d, css, timeout=20):
    return wait(d, EC.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout, f"element {css}")


def shot(d, name):
    d.save_screenshot(os.path.join(ART, f"{name}.png"))


def h1(d):
    return el(d, "main h1").text


def title(d):
    """The dossier page's title, once that page has rendered."""
    return el(d, "#dossier-title").text


def h1_becomes(d, text):
    wait(d, lambda _: any(e.text == text for e in d.find_elements(By.CSS_SELECTOR, "main h1")), 10, f"heading {text!r}")


def assert_no_alert(d):
    try:
        alert = d.switch_to.alert
        text = alert.text
        alert.dismiss()
        raise AssertionError(f"a script ran: alert({text!r})")
    except NoAlertPresentException:
        pass


def no_horizontal_overflow(d, what):
    over = d.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert over <= 1, f"{what}: the page scrolls sideways by {over}px"


def go(d, base, hash_path):
    target = f"{base}/#/{hash_path}"
    if d.current_url == target:
        d.refresh()   # the same hash would not render again
    else:
        d.get(target)
    time.sleep(0.3)


def login(d, base, username, password, keyboard=False):
    d.get("about:blank")
    d.delete_all_cookies()
    d.get(base + "/#/login")
    user = el(d, "#login-username")
    wait(d, lambda _: d.switch_to.active_element == user, 5, "the user name field has the focus")
    if keyboard:
        # Keyboard only: the focus starts in the user name field; Tab, Enter.
        d.switch_to.active_element.send_keys(username, Keys.TAB)
        d.switch_to.active_element.send_keys(CONFIG["users"][username]["password"] if password is None else password, Keys.ENTER)
    else:
        user.send_keys(username)
        el(d, "#login-password").send_keys(password or CONFIG["users"][username]["password"])
        el(d, "#login-submit").click()
    wait(d, lambda _: "#/login" not in d.current_url, 15, f"{username} logs in")
    if "#/password" in d.current_url:
        # First login: the account must change the password the administrator gave it.
        el(d, "#pw-current_password").send_keys(CONFIG["users"][username]["password"])
        el(d, "#pw-new_password").send_keys(NEW_PASSWORD)
        el(d, "#pw-confirm").send_keys(NEW_PASSWORD)
        el(d, "#password-submit").click()
        wait(d, lambda _: "#/password" not in d.current_url, 15, "password changed")
        CONFIG["users"][username]["password"] = NEW_PASSWORD
    el(d, "#topbar")
    collect_console(d)


def edit_phone(d, value):
    """On an open edit form: set the phone, save, and check the dossier page shows it."""
    phone = el(d, "#f-phone")
    phone.clear()
    phone.send_keys(value)
    el(d, "#save-dossier").click()
    wait(d, lambda _: "/edit" not in d.current_url, 15, "saved")
    assert el(d, 'dd[data-field="phone"]').text == value


def menu_pages(d):
    return [a.get_attribute("data-page") for a in d.find_elements(By.CSS_SELECTOR, "#menu a")]


def field_error(d, name):
    return el(d, f'.field[data-field="{name}"] .error').text


def main():
    a, b, hub = CONFIG["a"], CONFIG["b"], CONFIG["hub"]
    d = browser()
    try:
        step("the login page is in Vietnamese; a wrong password is refused")
        d.get(a + "/")
        el(d, "#login-username")
        assert d.execute_script("return document.documentElement.lang") == "vi"
        assert "Đăng nhập" in el(d, "#login-submit").text
        shot(d, "01-login")
        el(d, "#login-username").send_keys("tccb.a")
        el(d, "#login-password").send_keys("sai-mat-khau")
        el(d, "#login-submit").click()
        assert el(d, "#login-error").text.strip(), "an error is shown"
        assert "#/login" in d.current_url
        d.get_log("browser")   # the refused login's 401 is expected

        step("HR of unit A logs in with the keyboard only (and changes the first password)")
        login(d, a, "tccb.a", None, keyboard=True)
        assert "users" in menu_pages(d) and "dossiers" in menu_pages(d), menu_pages(d)
        assert "audit" not in menu_pages(d), "HR does not read the audit log"
        # The session cookie is out of the page's reach (HttpOnly).
        assert "hoso_session" not in d.execute_script("return document.cookie")

        step("the sync status is visible")
        badge = el(d, "#sync-badge")
        wait(d, lambda _: "ok" in badge.get_attribute("class").split(), 20, "sync badge says ok")
        assert "Đã đồng bộ" in badge.text, badge.text

        step("create a dossier: field errors from the API appear at their fields")
        go(d, a, "dossiers")
        el(d, "#new-dossier").click()
        el(d, "#dossier-form")
        Select(el(d, "#f-unit_id")).select_by_value(CONFIG["units"]["A1"])
        el(d, "#f-full_name").send_keys(HOSTILE)
        el(d, "#f-birth_date").send_keys("31/02/1990")
        Select(el(d, "#f-sex")).select_by_value("2")
        el(d, "#f-phone").send_keys("0277 3851 234")
        el(d, "#save-dossier").click()
        message = wait(d, lambda _: d.find_element(By.CSS_SELECTOR, '.field[data-field="birth_date"] .error').text, 10, "birth date error")
        assert "hợp lệ" in message, message
        assert d.switch_to.active_element.get_attribute("name") == "birth_date", "the focus goes to the first wrong field"
        shot(d, "02-dossier-form-error")
        d.get_log("browser")   # the refused save's 422 is expected
        birth = el(d, "#f-birth_date")
        birth.clear()
        birth.send_keys("28/02/1990")
        el(d, "#save-dossier").click()
        wait(d, lambda _: "/edit" not in d.current_url and "/new" not in d.current_url and "#/dossiers/" in d.current_url, 15, "saved")
        assert title(d) == HOSTILE, f"the name shows as typed: {title(d)!r}"
        assert_no_alert(d)
        dossier_id = d.current_url.split("#/dossiers/")[1]
        facts = el(d, 'dd[data-field="birth_date"]').text
        assert facts == "28/02/1990", facts
        shot(d, "03-dossier")

        step("edit the dossier")
        el(d, "#edit-dossier").click()
        edit_phone(d, "0909 123 456")

        step("add a history row (training)")
        el(d, 'section[data-kind="training"] .add-row').click()
        dialog = el(d, "dialog[open]")
        dialog.find_element(By.NAME, "institution").send_keys("Học viện Hành chính Quốc gia")
        dialog.find_element(By.NAME, "from_month").send_keys("09/2010")
        dialog.find_element(By.NAME, "to_month").send_keys("06/2014")
        dialog.find_element(By.CSS_SELECTOR, "button.primary").click()
        wait(d, lambda _: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"), 10, "dialog closes")
        wait(d, lambda _: "Học viện Hành chính Quốc gia" in el(d, 'section[data-kind="training"]').text, 10, "row shown")

        step("the printable 2C-BNV/2008 résumé")
        go(d, a, f"dossiers/{dossier_id}/print")
        sheet = el(d, "#print-sheet")
        assert "SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC" in sheet.text and "Mẫu 2C-BNV/2008" in sheet.text
        assert "Học viện Hành chính Quốc gia" in sheet.text
        assert_no_alert(d)
        shot(d, "04-print-2c")

        step("search without diacritics, in any case")
        for query in ["le thi", "LÊ THỊ", "hoa"]:
            go(d, a, "dossiers")
            box = el(d, "#search-q")
            box.send_keys(query)
            wait(d, lambda _: "q=" in d.current_url, 10, "search applied")
            wait(d, lambda _: d.find_elements(By.CSS_SELECTOR, f'#dossier-table tr[data-id="{dossier_id}"]'), 10, f"found by {query!r}")
        shot(d, "05-search")
        # Keyboard: Tab from the search box reaches the unit filter.
        el(d, "#search-q").send_keys(Keys.TAB)
        assert d.switch_to.active_element.get_attribute("id") == "filter-unit"
        no_horizontal_overflow(d, "dossier list at 1366x768")

        step("request the transfer to unit B")
        go(d, a, f"dossiers/{dossier_id}")
        el(d, "#request-transfer").click()
        form = el(d, "#handoff-form")
        Select(form.find_element(By.NAME, "to_unit_id")).select_by_value(CONFIG["units"]["B"])
        form.find_element(By.NAME, "decision_no").send_keys("15/QĐ-UBND")
        form.find_element(By.NAME, "decision_date").send_keys("20/11/2026")
        form.find_element(By.NAME, "effective_date").send_keys("01/12/2026")
        form.find_element(By.NAME, "signer").send_keys("Chủ tịch UBND tỉnh")
        el(d, "#handoff-submit").click()
        wait(d, lambda _: "#/handoffs/" in d.current_url, 15, "handoff page")
        handoff_id = d.current_url.split("#/handoffs/")[1]
        state = el(d, "#handoff-state").get_attribute("data-state")
        assert state in ("requested", "prepared"), state
        shot(d, "06-handoff-requested")
        go(d, a, f"dossiers/{dossier_id}")
        assert el(d, "#dossier-lock").get_attribute("data-lock") == "frozen"
        assert not d.find_elements(By.CSS_SELECTOR, "#edit-dossier"), "a frozen dossier offers no edit"
        go(d, a, "handoffs?direction=out")
        wait(d, lambda _: d.find_elements(By.CSS_SELECTOR, f'#handoff-table tr[data-id="{handoff_id}"]'), 10, "listed as outgoing")

        step("HR of unit B (another node) accepts it")
        d2 = browser()
        try:
            login(d2, b, "tccb.b", None)
            def incoming(_):
                go(d2, b, "handoffs?direction=in")
                return d2.find_elements(By.CSS_SELECTOR, f'#handoff-table tr[data-id="{handoff_id}"]')
            wait(d2, incoming, 40, "the request reaches node B")
            shot(d2, "07-handoffs-incoming")
            go(d2, b, f"handoffs/{handoff_id}")
            h1_becomes(d2, "Chuyển hồ sơ: " + HOSTILE)
            assert_no_alert(d2)
            el(d2, "#accept-handoff").click()
            def delivered(_):
                go(d2, b, f"handoffs/{handoff_id}")
                return el(d2, "#handoff-state").get_attribute("data-state") == "delivered"
            wait(d2, delivered, 60, "the transfer completes")
            shot(d2, "08-handoff-delivered")
            go(d2, b, f"dossiers/{dossier_id}")
            assert title(d2) == HOSTILE
            el(d2, "#edit-dossier")   # B may edit it now
            assert "Chuyển quyền" in el(d2, 'section[data-kind="work_history"]').text or "Điều động" in el(d2, 'section[data-kind="work_history"]').text

            step("B imports a dossier package exported elsewhere")
            go(d2, b, "dossiers")
            el(d2, "#import-dossier").click()
            form = el(d2, "#import-form")
            form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(CONFIG["package"])
            Select(form.find_element(By.NAME, "unit_id")).select_by_value(CONFIG["units"]["B"])
            d2.find_element(By.XPATH, "//dialog[@open]//button[contains(., 'Kiểm tra và nhập')]").click()
            wait(d2, lambda _: d2.find_elements(By.CSS_SELECTOR, "#dossier-title") and title(d2) == CONFIG["staff_name"], 15, "the imported dossier opens")
            go(d2, b, "handoffs?direction=movements")
            el(d2, "#movement-table")
            collect_console(d2)
        finally:
            d2.quit()

        step("A keeps a read-only copy marked transferred out")
        def transferred(_):
            go(d, a, f"dossiers/{dossier_id}")
            locks = d.find_elements(By.CSS_SELECTOR, "#dossier-lock")
            return locks and locks[0].get_attribute("data-lock") == "transferred_out"
        wait(d, transferred, 40, "A marks its copy")
        assert not d.find_elements(By.CSS_SELECTOR, "#edit-dossier")
        shot(d, "09-transferred-out")

        step("a conflict is shown side by side and resolved")
        go(d, a, "sync")
        card = el(d, "[data-conflict]")
        assert "0911 111 111" in card.text and "0922 222 222" in card.text, card.text
        assert "Điện thoại" in card.text, "fields carry their Vietnamese labels"
        shot(d, "09b-conflict")
        card.find_element(By.XPATH, ".//button[contains(., 'Khôi phục')]").click()
        wait(d, lambda _: not d.find_elements(By.CSS_SELECTOR, "[data-conflict]"), 15, "the conflict is resolved")
        go(d, a, f"dossiers/{CONFIG['other_person']}")
        wait(d, lambda _: el(d, 'dd[data-field="phone"]').text == "0922 222 222", 10, "the kept version is restored")

        step("HR renames a sub-unit and edits an account")
        go(d, a, "units")
        el(d, "#unit-tree button.link").click()
        form = el(d, "#unit-edit-form")
        name = form.find_element(By.NAME, "name")
        name.clear()
        name.send_keys("Phòng Ngân sách nhà nước")
        d.find_element(By.XPATH, "//dialog[@open]//button[contains(., 'Lưu')]").click()
        wait(d, lambda _: "Phòng Ngân sách nhà nước" in el(d, "#unit-tree").text, 10, "renamed")
        go(d, a, "users")
        wait(d, lambda _: d.find_elements(By.XPATH, "//table[@id='user-table']//tr[td[1]='thutruong.a']//button[.='Sửa']"), 10, "edit button")
        d.find_element(By.XPATH, "//table[@id='user-table']//tr[td[1]='thutruong.a']//button[.='Sửa']").click()
        form = el(d, "#user-edit-form")
        full = form.find_element(By.NAME, "full_name")
        full.clear()
        full.send_keys("Nguyễn Văn Thủ Trưởng")
        d.find_element(By.XPATH, "//dialog[@open]//button[contains(., 'Lưu')]").click()
        wait(d, lambda _: "Nguyễn Văn Thủ Trưởng" in el(d, "#user-table").text, 10, "account edited")

        step("screens at a tablet width")
        d.set_window_size(800, 1100)
        for page in ["dossiers", "handoffs", "units", "sync", "users"]:
            go(d, a, page)
            el(d, "main h1")
            time.sleep(0.3)
            no_horizontal_overflow(d, f"{page} at 800px")
            shot(d, f"10-tablet-{page}")
        d.set_window_size(1366, 768)
        for page in ["units", "catalogues", "users", "sync"]:
            go(d, a, page)
            el(d, "main h1")
            time.sleep(0.3)
            no_horizontal_overflow(d, f"{page} at 1366px")
            shot(d, f"11-{page}")

        step("search by criteria and save the search")
        go(d, a, "dossiers")
        wait(d, lambda _: d.find_elements(By.CSS_SELECTOR, "#dossier-table tbody tr[data-id]"), 10, "list")
        before = len(d.find_elements(By.CSS_SELECTOR, "#dossier-table tbody tr[data-id]"))
        assert before >= 2, before
        el(d, "#advanced summary").click()
        form = el(d, "#advanced-form")
        Select(form.find_element(By.NAME, "sex")).select_by_value("1")
        form.find_element(By.NAME, "age_min").send_keys("50")
        el(d, "#advanced-search").click()
        wait(d, lambda _: "adv=" in d.current_url, 10, "criteria applied")
        wait(d, lambda _: el(d, "#result-count").text.startswith("0 hồ sơ"), 10, "nobody aged 50+")
        el(d, "#save-search").click()
        el(d, "#saved-name").send_keys("Nam từ 50 tuổi")
        el(d, "#saved-submit").click()
        wait(d, lambda _: any(o.text == "Nam từ 50 tuổi" for o in d.find_elements(By.CSS_SELECTOR, "#saved-searches option")), 10, "saved")
        go(d, a, "dossiers")
        wait(d, lambda _: len(d.find_elements(By.CSS_SELECTOR, "#dossier-table tbody tr[data-id]")) == before, 10, "plain list again")
        Select(el(d, "#saved-searches")).select_by_visible_text("Nam từ 50 tuổi")
        wait(d, lambda _: "adv=" in d.current_url and el(d, "#result-count").text.startswith("0 hồ sơ"), 10, "the saved search runs")
        shot(d, "11b-advanced-search")
        # The CSV export is fetched with the CSRF header and handed to the browser as a file.
        d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": ART})
        d.execute_script("document.getElementById('advanced').open = true")
        el(d, "#export-csv").click()
        target = os.path.join(ART, "danh-sach-ho-so.csv")
        wait(d, lambda _: os.path.exists(target) and os.path.getsize(target) > 3, 15, "the CSV is downloaded")
        with open(target, "rb") as f:
            head = f.read()
        assert head.startswith(b"\xef\xbb\xbfSTT,"), head[:40]
        os.remove(target)

        step("HR imports a staff list: the dry run reports errors by row and column, the corrected file is imported")
        go(d, a, "imports")
        unit_a1 = CONFIG["units"]["A1"]
        rows = ["STT;Họ và tên;Ngày sinh;Giới tính;Số CCCD;Đơn vị;Bậc;Hệ số",
                f"1;Hà Văn Nhập;15/03/1984;Nam;087084777001;{unit_a1};3;3,00",
                f"2;Tô Thị Lỗi;31/02/1990;Nữ;087190777002;{unit_a1};2;2,67"]
        listing = os.path.join(ART, "danh-sach-nhap.csv")
        with open(listing, "w", encoding="utf-8-sig") as f:
            f.write("\r\n".join(rows) + "\r\n")
        el(d, "#import-file").send_keys(listing)
        el(d, "#import-check").click()
        problems = el(d, "#import-problems", 20)
        assert "Ngày sinh '31/02/1990'" in problems.text, problems.text
        assert el(d, "#import-commit").get_attribute("disabled") is not None, "nothing to import while the file has errors"
        shot(d, "11c-import-dry-run")
        corrected = os.path.join(ART, "danh-sach-nhap-da-sua.csv")
        with open(corrected, "w", encoding="utf-8-sig") as f:
            f.write("\r\n".join(rows).replace("31/02/1990", "28/02/1990") + "\r\n")
        el(d, "#import-file").send_keys(corrected)
        el(d, "#import-check").click()
        wait(d, lambda _: "tệp hợp lệ" in el(d, "#import-report").text, 20, "the corrected file is clean")
        wait(d, lambda _: el(d, "#import-commit").get_attribute("disabled") is None, 5, "import enabled after a clean check")
        el(d, "#import-commit").click()
        wait(d, lambda _: "Đã nhập: tạo mới 2" in el(d, "#import-report").text, 20, "imported")
        shot(d, "11d-import-committed")
        go(d, a, "dossiers?q=ha%20van%20nhap")
        wait(d, lambda _: "Hà Văn Nhập" in el(d, "#dossier-table").text, 15, "the imported dossier is listed")
        os.remove(listing)
        os.remove(corrected)
        collect_console(d)

        step("logging out ends the session")
        el(d, "#logout").click()
        wait(d, lambda _: "#/login" in d.current_url, 10, "back at login")
        go(d, a, f"dossiers/{dossier_id}")
        wait(d, lambda _: "#/login" in d.current_url, 10, "a protected page asks to log in again")
        collect_console(d)

        step("the head of unit A reads but cannot write")
        login(d, a, "thutruong.a", None)
        go(d, a, "dossiers")
        el(d, "#dossier-table")
        assert not d.find_elements(By.CSS_SELECTOR, "#new-dossier"), "no create button for a head"
        assert "users" not in menu_pages(d)
        first = el(d, "#dossier-table tbody tr[data-id]")
        first.click()
        el(d, "#dossier-title")
        assert not d.find_elements(By.CSS_SELECTOR, "#edit-dossier"), "no edit button for a head"
        go(d, a, "users")
        h1_becomes(d, "Không có quyền")
        collect_console(d)

        step("a civil servant sees only their own dossier")
        login(d, a, "canbo.a", None)
        assert menu_pages(d)[0] == "mine", menu_pages(d)
        wait(d, lambda _: CONFIG["staff_person"] in d.current_url, 10, "lands on the own dossier")
        assert title(d) == CONFIG["staff_name"]
        assert not d.find_elements(By.CSS_SELECTOR, "#edit-dossier")
        go(d, a, "dossiers")
        wait(d, lambda _: CONFIG["staff_person"] in d.current_url, 10, "the list sends back to the own dossier")
        go(d, a, f"dossiers/{CONFIG['other_person']}")
        h1_becomes(d, "Không tìm thấy")
        shot(d, "12-staff-own-dossier")
        # The 404 for someone else's dossier is the expected refusal, not a page error.
        d.get_log("browser")

        step("the province leader at the hub sees the whole province, read-only")
        login(d, hub, "lanhdao", None)
        go(d, hub, "dossiers")
        el(d, "#dossier-table")
        assert not d.find_elements(By.CSS_SELECTOR, "#new-dossier")
        box = el(d, "#search-q")
        box.send_keys("hoa")
        wait(d, lambda _: "q=hoa" in d.current_url, 10, "search applied")
        wait(d, lambda _: d.find_elements(By.CSS_SELECTOR, f'#dossier-table tr[data-id="{dossier_id}"]'), 20, "the hub finds the moved dossier")
        go(d, hub, f"dossiers/{dossier_id}")
        assert title(d) == HOSTILE
        assert_no_alert(d)
        collect_console(d)

        step("the leader produces the TT 11/2012 forms, the alerts and an Excel file at the hub")
        go(d, hub, "reports")
        Select(el(d, "#report-id")).select_by_value("bm01")
        el(d, "#report-view").click()
        table = el(d, "#report-table", 30)
        assert "Tổng số biên chế được giao" in table.text and "Chia theo độ tuổi" in table.text, table.text[:200]
        assert "Tổng cộng" in el(d, "#report-table tr.total").text
        shot(d, "12b-report-bm01")
        Select(el(d, "#report-id")).select_by_value("custom")
        Select(el(d, "#report-group1")).select_by_value("sex")
        el(d, "#report-view").click()
        wait(d, lambda _: "Giới tính" in el(d, "#report-table").text, 30, "the custom report groups by sex")
        d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": ART})
        for old in glob.glob(os.path.join(ART, "bao-cao-*")):
            os.remove(old)
        Select(el(d, "#report-id")).select_by_value("bm03")
        el(d, "#report-xlsx").click()
        wait(d, lambda _: [f for f in glob.glob(os.path.join(ART, "bao-cao-bm03-*.xlsx")) if os.path.getsize(f) > 100], 30, "the XLSX is downloaded")
        with open(glob.glob(os.path.join(ART, "bao-cao-bm03-*.xlsx"))[0], "rb") as f:
            assert f.read(4) == b"PK\x03\x04", "an XLSX (zip) file"
        assert "Xong" in el(d, "#report-jobs").text
        go(d, hub, "alerts")
        el(d, "#alerts-table")
        assert "cảnh báo" in el(d, "#main").text
        shot(d, "12c-alerts")
        no_horizontal_overflow(d, "alerts page")
        collect_console(d)

        step("the leader exports the province for the national database")
        go(d, hub, "imports")
        el(d, "#export-national")
        assert not d.find_elements(By.CSS_SELECTOR, "#import-file"), "a leader does not import"
        el(d, "#export-check").click()
        wait(d, lambda _: "Xuất được" in el(d, "#export-rejected").text, 20, "the counts are shown")
        for old in glob.glob(os.path.join(ART, "csdlqg-cbccvc-*.jsonl")):
            os.remove(old)
        el(d, "#export-national").click()
        wait(d, lambda _: glob.glob(os.path.join(ART, "csdlqg-cbccvc-*.jsonl")), 30, "the export is downloaded")
        with open(glob.glob(os.path.join(ART, "csdlqg-cbccvc-*.jsonl"))[0], encoding="utf-8") as f:
            for line in f.read().splitlines():
                record = json.loads(line)
                assert len(record["so_dinh_danh"]) == 12 and record["ma_ho_so"] == record["so_dinh_danh"], line[:200]
        shot(d, "12d-national-export")
        collect_console(d)

        step("the hub administrator: audit log, users, backup")
        login(d, hub, "admin", CONFIG["users"]["admin"]["password"])
        assert "audit" in menu_pages(d) and "admin" in menu_pages(d)
        go(d, hub, "audit")
        el(d, "#audit-table")
        shot(d, "13-audit")
        go(d, hub, "admin")
        assert el(d, "#download-backup").get_attribute("href").endswith("/api/backup")
        go(d, hub, "sync")
        el(d, "#node-table")
        shot(d, "14-hub-sync")
        go(d, hub, "monitor")
        wait(d, lambda _: len(d.find_elements(By.CSS_SELECTOR, "#monitor-nodes tbody tr[data-health]")) >= 2, 20, "both nodes on the dashboard")
        healths = [r.get_attribute("data-health") for r in d.find_elements(By.CSS_SELECTOR, "#monitor-nodes tbody tr[data-health]")]
        assert all(x in ("ok", "lagging", "offline", "error") for x in healths), healths
        assert el(d, "#monitor-rollup").text.strip()
        shot(d, "14b-monitor")
        d.find_element(By.CSS_SELECTOR, "#monitor-nodes tbody tr[data-health] a").click()
        wait(d, lambda _: d.find_elements(By.CSS_SELECTOR, "#monitor-history tbody tr"), 20, "a node's sync history")
        assert "Kết nối" in el(d, "#monitor-history").text
        collect_console(d)

        step("the hub goes down: the node says it is offline and its work is safe")
        login(d, a, "tccb.a", None)
        os.kill(int(CONFIG["hub_pid"]), 9)
        go(d, a, f"dossiers/{CONFIG['staff_person']}/edit")
        edit_phone(d, "0933 333 333")   # saved while the hub is down
        def offline(_):
            go(d, a, "sync")
            return el(d, "#sync-state").get_attribute("data-state") == "offline"
        wait(d, offline, 40, "the node notices the hub is gone")
        assert int(el(d, "#pending-changes").text) >= 1
        badge = el(d, "#sync-badge")
        assert "offline" in badge.get_attribute("class").split() and "an toàn" in badge.text, badge.text
        shot(d, "15-offline")
        collect_console(d)

        if console_errors:
            raise AssertionError("console errors:\n" + "\n".join(console_errors))
        print("browser tests passed; screenshots in " + ART)
        return 0
    except Exception:
        try:
            shot(d, "failure")
        except Exception:
            pass
        print(f"FAILED at step: {step_name}", file=sys.stderr)
        traceback.print_exc()
        return 1
    finally:
        d.quit()


if __name__ == "__main__":
    sys.exit(main())
