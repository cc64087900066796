"""Publisher markup made safe: ``sanitize.sanitize_html`` (an nh3 allow-list) and
``sanitize.html_to_text`` for every piece of publisher HTML, and ``urls`` for the
canonical and absolute forms of the links in it. Pure functions; used by feed parsing,
page extraction and the sample edition alike.
"""
