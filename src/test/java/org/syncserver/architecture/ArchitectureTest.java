package org.syncserver.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The shape of the code: packages by feature without cycles; the infrastructure (http, db, config, error,
 * identity's tables) knows no feature; only the wiring (App, RouteTable, Main) sees everything.
 */
class ArchitectureTest {

    private static final String[] FEATURES = {"..account..", "..auth..", "..password..", "..sync..", "..events..",
            "..health..", "..cli..", "..console..", "..lifecycle..", "..spaces.."};
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.syncserver");
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("org.syncserver.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void infrastructureImportsNoFeature() {
        noClasses().that().resideInAnyPackage("..http..", "..db..", "..config..", "..error..", "..realm..",
                        "..identity..", "..metrics..", "..mail..", "..version..", "..logging..")
                .should().dependOnClassesThat().resideInAnyPackage(FEATURES)
                .check(classes);
    }

    @Test
    void featuresDoNotImportTheWiring() {
        noClasses().that().resideInAnyPackage(FEATURES)
                .should().dependOnClassesThat().haveSimpleName("App")
                .orShould().dependOnClassesThat().haveSimpleName("RouteTable")
                .orShould().dependOnClassesThat().haveSimpleName("ConsoleRouteTable")
                .check(classes);
    }

    /** Spaces are a room of their own: sync asks them one question (SpaceAccess) and knows no membership rule. */
    @Test
    void syncKnowsOfSpacesOnlyWhatItAsksAndSpacesKnowNothingOfSync() {
        noClasses().that().resideInAPackage("..spaces..")
                .should().dependOnClassesThat().resideInAPackage("..sync..")
                .check(classes);
        noClasses().that().resideInAPackage("..sync..")
                .should().dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
                        "spaces' classes other than SpaceAccess, Visibility and Role", c ->
                                c.getPackageName().endsWith(".spaces") && !c.getSimpleName().equals("SpaceAccess")
                                        && !c.getName().contains("Visibility") && !c.getSimpleName().equals("Role")
                                        && !c.getSimpleName().equals("Charged")))
                .check(classes);
    }
}
