"""Finding one's way among the roles: compare, the role finder, related roles and skill pages.
matching.py is the one scoring module; skills.py builds the skill pages; views, forms and urls
serve /compare/, /match/ and /skills/; shortlist.py the shortlist (/shortlist/) and sharing.py
each shared page's address and QR code (/qr/<path>)."""
