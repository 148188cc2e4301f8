-- A confirmation file is applied as a few transactions in parallel (its lines split by reward), committed one
-- after the other once the whole file is read and valid. Each part commits its row here: a node that dies between
-- two commits leaves the import RECEIVED, and processing it again applies only the parts without a row.
CREATE TABLE confirmation_part (
    import_id   VARCHAR(40)   NOT NULL,
    part        INT           NOT NULL,
    line_count  BIGINT        NOT NULL,
    outcomes    VARCHAR(1000) NOT NULL,
    applied_at  DATETIME(6)   NOT NULL,
    PRIMARY KEY (import_id, part)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
