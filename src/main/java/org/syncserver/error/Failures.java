package org.syncserver.error;

/** What to tell an operator about a failure: its root cause's message (a driver's "Connection refused"). */
public final class Failures {

    private Failures() {
    }

    public static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
