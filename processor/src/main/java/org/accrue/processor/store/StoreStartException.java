/*
 * The store could not be opened, said in one line an operator acts on: which server, which account, what went
 * wrong (refused, timed out, access denied, no such database, TLS, pool too big for the server, schema newer than
 * this node). Never a password. The CLI prints it as `accrue: store: <line>` and exits 3.
 */
package org.accrue.processor.store;

public final class StoreStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StoreStartException(String line) {
        super(line, null, false, false); // the line is the whole story: no stack trace to print
    }
}
