"""Pure decisions about one reader's news: what an article is about (``topics``), and how
For you is made from follows, the trainer and reading (``foryou``), spread out (``diversity``)
and explained (a reason on every card). Nothing here reads a database or a clock."""
