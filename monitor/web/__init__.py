"""Pages: watchlists → topics → each tracked figure's timeline, its Atom feed, CSV and JSON,
alerts with their delivery per channel, feed health, and corrections of stored values.

    urls.py      where each page lives (shared with the alerts, which link to them)
    chart.py     points and the SVG step chart, drawn in Python
    atom.py      Atom feeds (RFC 4287) and the CSV/JSON export
    site.py      the pages as functions of the store and configuration, cached per figure
    app.py       aiohttp.web: routes, Content-Security-Policy, the review POST
    server.py    the daemon's listener (pages, /metrics, /healthz) in a thread of its own
    commands.py  `monitor serve`, `monitor figures reject|accept ID`
"""
