"""HTTP routes: pages, the JSON API and the kiosk endpoints."""
