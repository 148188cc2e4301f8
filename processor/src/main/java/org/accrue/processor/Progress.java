package org.accrue.processor;

/**
 * Where a long piece of work stands, for whoever shows it (the CLI's progress line): {@code done} units of
 * {@code total}, or of an unknown total when {@code total} is negative. The work calls it as it goes, often (per line,
 * per batch) and possibly from several threads; an implementation is cheap and thread-safe. It only watches: the work
 * does exactly the same with or without one.
 */
@FunctionalInterface
public interface Progress {
    /** Nobody watching (the scheduler, the API): the work never counts what it would only report. */
    Progress NONE = (done, total) -> { };

    void at(long done, long total);

    /**
     * {@code in}, telling this the bytes read through it so far, of {@code size} (a file read from start to end: the
     * work's progress is how far it has read). Returns {@code in} itself when nobody watches.
     */
    default java.io.InputStream reading(java.io.InputStream in, long size) {
        if (this == NONE) {
            return in;
        }
        return new java.io.FilterInputStream(in) {
            private long read;

            @Override
            public int read() throws java.io.IOException {
                int b = super.read();
                if (b >= 0) {
                    at(++read, size);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    read += n;
                    at(read, size);
                }
                return n;
            }

            @Override
            public long skip(long n) throws java.io.IOException {
                long skipped = super.skip(n);
                read += skipped;
                return skipped;
            }
        };
    }
}
