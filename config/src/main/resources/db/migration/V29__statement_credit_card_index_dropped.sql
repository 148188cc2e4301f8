-- Posting writes a statement credit per reward, a million on a big day; each of the table's secondary indexes is an
-- entry written per credit, and (card_id, created_at) was the one written at a random place (credits of 10,000 cards
-- in turn), so the one whose pages are all dirtied and split by a day's posting and, on a store of years, read from
-- disk first. A card's credits (the cardholder's statement, erasure) are found through its cash rewards instead:
-- reward (card_id, unit_kind, ...) then statement_credit (reward_id); every credit, debit and resend names its reward,
-- a cash reward of the same card.
ALTER TABLE statement_credit DROP INDEX ix_statement_credit_card;
