-- V1 and V3 now create their sequences NOCACHE (Galera refuses a cached
-- sequence, error 1235); a database migrated before that edit still has the
-- default cache of 1000 values. This makes both alike. A sequence's next value
-- is kept (values a cache had reserved are skipped, as after a restart).
ALTER SEQUENCE card_seq NOCACHE;
ALTER SEQUENCE card_message_seq NOCACHE;
ALTER SEQUENCE processing_exception_seq NOCACHE;
ALTER SEQUENCE reward_seq NOCACHE;
ALTER SEQUENCE ledger_entry_seq NOCACHE;
