-- How many parts the import's lines were split into when its first part committed. A file left between two commits
-- is finished with the same split, whatever accrue.reconciliation.apply-parts says by then: under another split a
-- line could fall to a part still to apply although its part had committed, and be applied twice. Rows written
-- before this migration were all two-part imports.
ALTER TABLE confirmation_part ADD COLUMN parts INT NOT NULL DEFAULT 2;
ALTER TABLE confirmation_part ALTER COLUMN parts DROP DEFAULT;
