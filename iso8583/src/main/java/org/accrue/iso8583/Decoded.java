package org.accrue.iso8583;

/** What one received frame is, once read: the four things the listener can do with it. */
public sealed interface Decoded {

    /** A well-formed 01xx/02xx/04xx message. */
    record Card(CardMessage message) implements Decoded {
    }

    /** 0800 network management with its DE70 code (001 sign-on, 002 sign-off, 301 echo). */
    record Network(String code) implements Decoded {
    }

    /** An MTI this interface does not take (answered 12). */
    record Unsupported(String mti) implements Decoded {
    }

    /** A required element missing or an element malformed (answered 30, DE44 = field). Reason names the rule, never the content. */
    record FormatError(int field, String reason) implements Decoded {
    }
}
