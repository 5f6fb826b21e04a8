package org.syncserver.spaces;

import io.javalin.http.Context;
import org.syncserver.http.Params;
import org.syncserver.http.RequestBodies;
import org.syncserver.http.StatusMessage;
import org.syncserver.identity.Principal;
import org.syncserver.realm.Realm;

import java.util.List;
import java.util.UUID;

/** The membership API, {@code /spaces/:realm/...} (PROTOCOL §12.2), and its wire shapes. */
public final class SpaceRoutes {

    record Spaces(List<SpaceJson> spaces) {
    }

    record SpaceJson(UUID id, String name, String role, List<MemberJson> members, long rows) {
    }

    record MemberJson(UUID userId, String email, String name, String role) {
    }

    record Rename(String name) {
    }

    record Invite(String email, String role) {
    }

    record RoleChange(String role) {
    }

    record Invited(UUID id, String email, String role, long expiresAt) {
    }

    record Invitations(List<InvitationJson> invitations) {
    }

    record InvitationJson(UUID id, UUID spaceId, String spaceName, String role, From from, long expiresAt) {
    }

    record From(String name, String email) {
    }

    private final RequestBodies bodies;
    private final SpaceService spaces;

    public SpaceRoutes(RequestBodies bodies, SpaceService spaces) {
        this.bodies = bodies;
        this.spaces = spaces;
    }

    public void list(Context ctx, Realm realm, Principal device) {
        ctx.json(new Spaces(spaces.list(realm, device).stream().map(SpaceRoutes::wire).toList()));
    }

    public void rename(Context ctx, Realm realm, Principal device) {
        spaces.rename(realm, device, spaceId(ctx), bodies.read(ctx, Rename.class).name());
        ctx.json(new StatusMessage(200, "Space renamed"));
    }

    public void delete(Context ctx, Realm realm, Principal device) {
        spaces.delete(realm, device, spaceId(ctx));
        ctx.json(new StatusMessage(200, "Space deleted: its rows leave every member's devices at their next sync"));
    }

    public void invite(Context ctx, Realm realm, Principal device) {
        Invite request = bodies.read(ctx, Invite.class);
        SpaceService.InvitationView invited = spaces.invite(realm, device, spaceId(ctx), request.email(),
                Role.fromWire(request.role() == null ? "editor" : request.role()));
        ctx.status(201).json(new Invited(invited.id(), invited.email(), invited.role().wireName(),
                invited.expiresAt()));
    }

    public void invitations(Context ctx, Realm realm, Principal device) {
        ctx.json(new Invitations(spaces.invitations(realm, device).stream()
                .map(invitation -> new InvitationJson(invitation.id(), invitation.spaceId(), invitation.spaceName(),
                        invitation.role().wireName(), new From(invitation.fromName(), invitation.fromEmail()),
                        invitation.expiresAt()))
                .toList()));
    }

    public void accept(Context ctx, Realm realm, Principal device) {
        ctx.json(wire(spaces.accept(realm, device, invitationId(ctx))));
    }

    public void decline(Context ctx, Realm realm, Principal device) {
        spaces.decline(realm, device, invitationId(ctx));
        ctx.json(new StatusMessage(200, "Invitation declined"));
    }

    public void changeRole(Context ctx, Realm realm, Principal device) {
        spaces.changeRole(realm, device, spaceId(ctx), memberId(ctx),
                Role.fromWire(bodies.read(ctx, RoleChange.class).role()));
        ctx.json(new StatusMessage(200, "Role changed"));
    }

    public void removeMember(Context ctx, Realm realm, Principal device) {
        spaces.removeMember(realm, device, spaceId(ctx), memberId(ctx));
        ctx.json(new StatusMessage(200, "Member removed: the space's rows leave its devices at their next sync"));
    }

    private static SpaceJson wire(SpaceService.SpaceView space) {
        return new SpaceJson(space.id(), space.name(), space.role().wireName(), space.members().stream()
                .map(m -> new MemberJson(m.userId(), m.email(), m.name(), m.role().wireName())).toList(),
                space.rows());
    }

    private static UUID spaceId(Context ctx) {
        return Params.uuid(ctx.pathParam("spaceId"), "spaceId");
    }

    private static UUID memberId(Context ctx) {
        return Params.uuid(ctx.pathParam("userId"), "userId");
    }

    private static UUID invitationId(Context ctx) {
        return Params.uuid(ctx.pathParam("invitationId"), "invitationId");
    }
}
