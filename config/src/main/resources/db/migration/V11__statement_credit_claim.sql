-- The statement-file job claims an issuer's READY credits in one UPDATE, a million rows on a big day. Three indexes
-- changed with each claimed row: (issuer_id, status, credit_id) to find READY credits, (file_id, credit_id) to read
-- a file's credits, and (card_id, filed_at) for the cardholder's statement. One index (issuer_id, status, file_id,
-- credit_id) serves the first two (a file's credits are its issuer's FILED credits with its file id), and the
-- statement's index on (card_id, created_at) never changes. Measured on a million credits: the claim took 16.9 s,
-- 10.6 s after.
ALTER TABLE statement_credit
    DROP INDEX ix_statement_credit_ready,
    DROP INDEX ix_statement_credit_file,
    DROP INDEX ix_statement_credit_card,
    ADD INDEX ix_statement_credit_issuer (issuer_id, status, file_id, credit_id),
    ADD INDEX ix_statement_credit_card (card_id, created_at);
