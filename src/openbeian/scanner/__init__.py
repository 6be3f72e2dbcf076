"""The footer scanner: find every filing, licence and police number a site displays, check it against the
registry and the law, at scale.

    encoding.py    the page's character encoding (BOM, HTTP header, meta tag; GBK / GB18030 / Big5)
    extract.py     pure extraction: numbers and placeholders, displayed or not, linked where, in the footer or not
    findings.py    the rules a page is judged by: findings with a stable code, a severity and a bilingual message
    registry.py    verification against a registry: the local database or another OpenBeian's API
    fetch.py       async fetching with httpx: bounded concurrency, timeouts, redirects, size cap, retries
    scan.py        the pipeline: fetch (or read), extract, verify, judge; one PageReport per page
    dns_check.py   the empty-shell check: filed domains that no longer resolve to the provider's access IPs
    compliance.py  a provider's compliance run over its filed domains, stored in scan_results; the scheduled run
    report.py      the --csv and --report PATH.html outputs
"""
