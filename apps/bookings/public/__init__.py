"""The public side of booking (no account): the booking and manage pages and the public
booking API."""
