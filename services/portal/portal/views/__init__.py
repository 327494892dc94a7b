"""The portal's pages, one blueprint per kind of user, plus sign-in, the home page and operations."""
