package org.syncserver.http;

import io.javalin.http.Handler;
import io.javalin.http.HandlerType;

import static org.syncserver.http.RateLimiter.Group;

/**
 * One line of the route table: method, path, who may call it, its rate-limit group, and the handler. A route
 * without an access level stops the server at start-up: no route can forget its authentication.
 */
public record Route(HandlerType method, String path, Group group, Guarded guarded) {

    /** A handler together with the access level it enforces before it runs. */
    public record Guarded(Access access, Handler handler) {
    }

    public Route {
        if (guarded == null || guarded.access() == null || guarded.handler() == null) {
            throw new IllegalStateException("Route " + method + " " + path + " declares no access level");
        }
        if (group == null) {
            throw new IllegalStateException("Route " + method + " " + path + " declares no rate-limit group");
        }
    }

    public static Route get(String path, Group group, Guarded guarded) {
        return new Route(HandlerType.GET, path, group, guarded);
    }

    public static Route post(String path, Group group, Guarded guarded) {
        return new Route(HandlerType.POST, path, group, guarded);
    }

    public static Route patch(String path, Group group, Guarded guarded) {
        return new Route(HandlerType.PATCH, path, group, guarded);
    }

    public static Route delete(String path, Group group, Guarded guarded) {
        return new Route(HandlerType.DELETE, path, group, guarded);
    }

    public Access access() {
        return guarded.access();
    }
}
