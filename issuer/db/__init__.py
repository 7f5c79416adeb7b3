"""All of the issuer's SQL (issue 21 item 2): the tables
(:mod:`issuer.db.tables`, the Alembic baseline creates the same), the
repositories (:mod:`~issuer.db.offers`, :mod:`~issuer.db.credentials`,
:mod:`~issuer.db.applicants`) and opening and migrating the database
(:mod:`~issuer.db.setup`). Everything else in ``issuer`` calls these on a
connection of :class:`kyc_wallet.database.Database`."""
