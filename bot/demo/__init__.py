"""`leverage-bot demo`: a synthetic organisation run through the real flows, offline."""
