package dev.nanogen.gateway;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The gateway's packages, read from its compiled classes: no two packages depend on each other,
 * directly or around a loop, so each can be read (and changed) knowing only what it uses.
 */
class PackageGraphTest {
  private static final JavaClasses GATEWAY =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.nanogen.gateway");

  @Test
  void the_packages_depend_on_each_other_without_a_cycle() {
    slices().matching("dev.nanogen.gateway.(*)..").should().beFreeOfCycles().check(GATEWAY);
  }
}
