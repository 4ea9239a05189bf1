"""Languages: gettext catalogs through babel, locale negotiation and formatting."""
