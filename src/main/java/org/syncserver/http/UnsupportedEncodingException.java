package org.syncserver.http;

/** HTTP 415: a Content-Encoding other than gzip, deflate or identity. */
public final class UnsupportedEncodingException extends RuntimeException {
    public UnsupportedEncodingException(String encoding) {
        super("Unsupported Content-Encoding '" + encoding + "': send gzip, deflate or an uncompressed body");
    }
}
