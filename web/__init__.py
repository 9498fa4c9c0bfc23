"""HTML pages for people with a browser: profiles, posts, the login and consent page."""
