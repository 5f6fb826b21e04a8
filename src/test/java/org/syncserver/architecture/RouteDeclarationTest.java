package org.syncserver.architecture;

import io.javalin.http.HandlerType;
import org.junit.jupiter.api.Test;
import org.syncserver.http.Access;
import org.syncserver.http.RateLimiter.Group;
import org.syncserver.http.Route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** No route can forget its authentication: one declared without an access level stops the server at start-up. */
class RouteDeclarationTest {

    @Test
    void aRouteWithoutAnAccessLevelIsRefusedAtStartUp() {
        assertThatThrownBy(() -> Route.post("/forgotten", Group.SYNC, new Route.Guarded(null, ctx -> { })))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Route POST /forgotten declares no access level");
        assertThatThrownBy(() -> new Route(HandlerType.GET, "/nothing", Group.UNLIMITED, null))
                .hasMessage("Route GET /nothing declares no access level");
        assertThatThrownBy(() -> Route.get("/x", null, new Route.Guarded(Access.PUBLIC, ctx -> { })))
                .hasMessage("Route GET /x declares no rate-limit group");
        assertThat(Route.get("/x", Group.UNLIMITED, new Route.Guarded(Access.PUBLIC, ctx -> { })).access())
                .isEqualTo(Access.PUBLIC);
    }
}
