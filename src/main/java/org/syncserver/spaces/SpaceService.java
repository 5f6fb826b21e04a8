package org.syncserver.spaces;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.MailConfig;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.BadRequestException;
import org.syncserver.error.ConflictException;
import org.syncserver.error.NotFoundException;
import org.syncserver.identity.Principal;
import org.syncserver.mail.InvitationMailTemplate;
import org.syncserver.mail.Mailer;
import org.syncserver.realm.Realm;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

/**
 * Membership of spaces (PROTOCOL §12.2): who sees a space and in which role, invitations by e-mail, and what
 * happens to a user's spaces when the user is deleted. Which rows a device receives follows from membership alone
 * (sync asks {@link SpaceAccess}); nothing here touches rows.
 */
public final class SpaceService {

    private static final Logger log = LoggerFactory.getLogger(SpaceService.class);

    /** How long an invitation can be accepted. */
    static final Duration INVITATION_VALIDITY = Duration.ofDays(7);
    /** Invitations a space may have waiting: an owner cannot turn the server into a mass mailer. */
    static final int MAX_PENDING_INVITATIONS = 50;
    private static final int MAX_NAME = 200;
    private static final int MAX_EMAIL = 320;

    /** A space as the membership API shows it. */
    public record SpaceView(UUID id, String name, Role role, List<MemberView> members, long rows) {
    }

    public record MemberView(UUID userId, String email, String name, Role role) {
    }

    /** An invitation as its invitee sees it. */
    public record InvitationView(UUID id, UUID spaceId, String spaceName, String email, Role role, String fromName,
                                 String fromEmail, long expiresAt) {
    }

    private final SpaceRepository spaces = new SpaceRepository();
    private final Mailer mailer;
    private final Optional<MailConfig> mail;
    private final Executor background;
    private final Clock clock;
    private final InvitationMailTemplate template = new InvitationMailTemplate();
    private final SecureRandom random = new SecureRandom();

    /** @param background where invitation e-mails are sent, off the request */
    public SpaceService(Mailer mailer, Optional<MailConfig> mail, Executor background, Clock clock) {
        this.mailer = mailer;
        this.mail = mail;
        this.background = background;
        this.clock = clock;
    }

    public List<SpaceView> list(Realm realm, Principal principal) {
        return realm.database().withConnection(connection -> views(connection,
                spaces.spacesOf(connection, principal.userId())));
    }

    /** The operator's view of a realm's spaces (PROTOCOL §12.4), newest first. */
    public List<SpaceSummary> summaries(Realm realm, int limit) {
        return realm.database().withConnection(connection -> spaces.summaries(connection, limit));
    }

    /** The spaces of any user, as the user would see them: for the operator. */
    public List<SpaceView> spacesOf(Realm realm, UUID userId) {
        return realm.database().withConnection(connection -> views(connection, spaces.spacesOf(connection, userId)));
    }

    public void rename(Realm realm, Principal principal, UUID spaceId, String name) {
        String trimmed = name == null ? "" : name.strip();
        if (trimmed.length() > MAX_NAME) {
            throw new BadRequestException("'name' must be at most " + MAX_NAME + " characters");
        }
        realm.database().inTransaction(connection -> {
            requireOwner(connection, spaceId, principal.userId());
            spaces.rename(connection, spaceId, trimmed);
            return null;
        });
    }

    /**
     * Invites an e-mail address; the invitee accepts with any device of an account of that address. The answer
     * is the same whether or not the address has an account (no enumeration).
     */
    public InvitationView invite(Realm realm, Principal principal, UUID spaceId, String email, Role role) {
        String address = checkedEmail(email);
        long now = clock.millis();
        SpaceRepository.Invitation invitation = new SpaceRepository.Invitation(new UUID(random.nextLong(),
                random.nextLong()), spaceId, null, address, role, null, null,
                now + INVITATION_VALIDITY.toMillis());
        Invited invited = realm.database().inTransaction(connection -> {
            requireOwner(connection, spaceId, principal.userId());
            if (spaces.pendingInvitations(connection, spaceId, now) >= MAX_PENDING_INVITATIONS) {
                throw new ConflictException("This space has " + MAX_PENDING_INVITATIONS + " invitations waiting, "
                        + "the most it may: wait until some are accepted, declined or expired");
            }
            spaces.invite(connection, invitation, principal.userId(), now);
            return new Invited(spaces.account(connection, principal.userId()).orElseThrow(),
                    spaces.accountByEmail(connection, address), spaceName(connection, principal.userId(), spaceId));
        });
        background.execute(() -> sendInvitation(realm, invitation, invited));
        return new InvitationView(invitation.id(), spaceId, invited.spaceName(), address, role,
                invited.inviter().name(), invited.inviter().email(), invitation.expiresAt());
    }

    private record Invited(SpaceRepository.Account inviter, Optional<SpaceRepository.Account> invitee,
                           String spaceName) {
    }

    private String spaceName(Connection connection, UUID userId, UUID spaceId) throws SQLException {
        return spaces.spacesOf(connection, userId).stream().filter(space -> space.id().equals(spaceId))
                .map(SpaceRepository.Space::name).findFirst().orElse("");
    }

    private void sendInvitation(Realm realm, SpaceRepository.Invitation invitation, Invited invited) {
        if (mail.isEmpty()) {
            return;
        }
        try {
            String language = invited.invitee().map(SpaceRepository.Account::language)
                    .orElse(invited.inviter().language());
            mailer.send(template.render(invitation.email(), invited.invitee().map(SpaceRepository.Account::name)
                            .orElse(null), language, mail.get().appNameFor(realm.name()), invited.inviter().name(),
                    invited.spaceName(), INVITATION_VALIDITY));
        } catch (RuntimeException e) {
            log.warn("Could not send a space invitation in realm {}: {}", realm.name(), e.getMessage());
        }
    }

    /** The invitations addressed to the e-mail of the token's user. */
    public List<InvitationView> invitations(Realm realm, Principal principal) {
        return realm.database().withConnection(connection -> {
            String email = spaces.account(connection, principal.userId()).orElseThrow().email();
            return spaces.invitationsTo(connection, email, clock.millis()).stream().map(SpaceService::view).toList();
        });
    }

    /** Joins the space in the invitation's role; the user's devices receive its rows at their next pull. */
    public SpaceView accept(Realm realm, Principal principal, UUID invitationId) {
        long now = clock.millis();
        return realm.database().inTransaction(connection -> {
            SpaceRepository.Invitation invitation = addressedTo(connection, principal, invitationId, now);
            spaces.lockAndGetRole(connection, invitation.spaceId(), principal.userId()); // one change at a time
            Optional<Role> current = spaces.roleOf(connection, invitation.spaceId(), principal.userId());
            if (current.isEmpty() || current.get() != Role.OWNER) {
                spaces.join(connection, invitation.spaceId(), principal.userId(), invitation.role(), now);
            }
            spaces.deleteInvitation(connection, invitationId);
            spaces.notifyUsers(connection, List.of(principal.userId()), now);
            return views(connection, spaces.spacesOf(connection, principal.userId())).stream()
                    .filter(space -> space.id().equals(invitation.spaceId())).findFirst().orElseThrow();
        });
    }

    public void decline(Realm realm, Principal principal, UUID invitationId) {
        long now = clock.millis();
        realm.database().inTransaction(connection -> {
            addressedTo(connection, principal, invitationId, now);
            spaces.deleteInvitation(connection, invitationId);
            return null;
        });
    }

    private SpaceRepository.Invitation addressedTo(Connection connection, Principal principal, UUID invitationId,
                                                   long now) throws SQLException {
        String email = spaces.account(connection, principal.userId()).orElseThrow().email();
        return spaces.invitation(connection, invitationId, email, now)
                .orElseThrow(() -> new NotFoundException("No such invitation"));
    }

    /** An owner gives a member another role; a space always keeps an owner. */
    public void changeRole(Realm realm, Principal principal, UUID spaceId, UUID memberId, Role role) {
        realm.database().inTransaction(connection -> {
            requireOwner(connection, spaceId, principal.userId());
            Role current = spaces.roleOf(connection, spaceId, memberId)
                    .orElseThrow(() -> new NotFoundException("No such member of this space"));
            if (current == Role.OWNER && role != Role.OWNER && lastOwner(connection, spaceId)) {
                throw new ConflictException("A space needs an owner: make another member owner first");
            }
            spaces.setRole(connection, spaceId, memberId, role);
            return null;
        });
    }

    /**
     * An owner removes a member, or a member leaves (removes itself). The last owner cannot leave while others
     * remain; a space whose last member leaves ends. The removed member's devices get D for the space's rows.
     */
    public void removeMember(Realm realm, Principal principal, UUID spaceId, UUID memberId) {
        long now = clock.millis();
        realm.database().inTransaction(connection -> {
            Role mine = requireMember(connection, spaceId, principal.userId());
            boolean leaving = memberId.equals(principal.userId());
            if (!leaving && mine != Role.OWNER) {
                throw new AccessDeniedException("Only an owner of this space may remove its members");
            }
            Role theirs = spaces.roleOf(connection, spaceId, memberId)
                    .orElseThrow(() -> new NotFoundException("No such member of this space"));
            int members = spaces.count(connection, spaceId, Optional.empty());
            if (theirs == Role.OWNER && members > 1 && lastOwner(connection, spaceId)) {
                throw new ConflictException("The last owner cannot leave while others remain: make another member "
                        + "owner first, or delete the space");
            }
            spaces.remove(connection, spaceId, memberId);
            if (members == 1) {
                spaces.end(connection, spaceId, now);
            }
            spaces.notifyUsers(connection, List.of(memberId), now);
            return null;
        });
    }

    /** Ends the space for every member: each member's devices get D for its rows; its id stays taken. */
    public void delete(Realm realm, Principal principal, UUID spaceId) {
        long now = clock.millis();
        realm.database().inTransaction(connection -> {
            requireOwner(connection, spaceId, principal.userId());
            List<UUID> members = spaces.members(connection, List.of(spaceId)).stream()
                    .map(SpaceRepository.Member::userId).toList();
            spaces.end(connection, spaceId, now);
            spaces.notifyUsers(connection, members, now);
            return null;
        });
    }

    private boolean lastOwner(Connection connection, UUID spaceId) throws SQLException {
        return spaces.count(connection, spaceId, Optional.of(Role.OWNER)) <= 1;
    }

    /** A space the user does not belong to is answered as missing: its existence is not the user's business. */
    private Role requireMember(Connection connection, UUID spaceId, UUID userId) throws SQLException {
        return spaces.lockAndGetRole(connection, spaceId, userId)
                .orElseThrow(() -> new NotFoundException("No such space"));
    }

    private void requireOwner(Connection connection, UUID spaceId, UUID userId) throws SQLException {
        if (requireMember(connection, spaceId, userId) != Role.OWNER) {
            throw new AccessDeniedException("Only an owner of this space may do this");
        }
    }

    private List<SpaceView> views(Connection connection, List<SpaceRepository.Space> mine) throws SQLException {
        Map<UUID, List<MemberView>> members = spaces.members(connection,
                        mine.stream().map(SpaceRepository.Space::id).toList()).stream()
                .collect(Collectors.groupingBy(SpaceRepository.Member::spaceId,
                        Collectors.mapping(m -> new MemberView(m.userId(), m.email(), m.name(), m.role()),
                                Collectors.toList())));
        List<SpaceView> views = new ArrayList<>();
        for (SpaceRepository.Space space : mine) {
            views.add(new SpaceView(space.id(), space.name(), space.role(),
                    members.getOrDefault(space.id(), List.of()), space.rows()));
        }
        return views;
    }

    private static InvitationView view(SpaceRepository.Invitation invitation) {
        return new InvitationView(invitation.id(), invitation.spaceId(), invitation.spaceName(), invitation.email(),
                invitation.role(), invitation.fromName(), invitation.fromEmail(), invitation.expiresAt());
    }

    private static String checkedEmail(String email) {
        String address = email == null ? "" : email.strip();
        if (address.isEmpty() || address.length() > MAX_EMAIL || address.indexOf('@') < 1
                || address.chars().anyMatch(Character::isWhitespace)) {
            throw new BadRequestException("'email' must be an e-mail address");
        }
        return address;
    }
}
