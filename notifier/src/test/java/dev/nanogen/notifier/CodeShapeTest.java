package dev.nanogen.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.testkit.CodeShape;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The notifier's shape: the package graph as drawn in docs/architecture.md, without a cycle; no
 * type public that no other package uses; each of its tables named in SQL only by the package that
 * owns it.
 */
class CodeShapeTest {
  private static final Map<String, Set<String>> OWNERS =
      Map.of(
          "deliveries", Set.of("delivery"),
          "chats", Set.of("delivery"),
          "send_clock", Set.of("delivery"),
          "admin_audit", Set.of("delivery"),
          "media_files", Set.of("media"),
          "shedlock", Set.of());

  @Test
  void the_packages_depend_on_each_other_as_drawn_and_without_a_cycle() {
    CodeShape.assertPackagesAcyclic("dev.nanogen.notifier");
    assertThat(CodeShape.packageGraph("dev.nanogen.notifier"))
        .isEqualTo(
            Map.of(
                "", Set.of(),
                "admin", Set.of("config", "delivery"),
                "config", Set.of(),
                "delivery", Set.of("config", "media", "telegram"),
                "media", Set.of("config", "telegram"),
                "telegram", Set.of("config")));
  }

  @Test
  void a_type_is_public_only_when_another_package_uses_it() {
    assertThat(CodeShape.publicWithoutReason("dev.nanogen.notifier")).isEmpty();
  }

  @Test
  void every_table_has_an_owner_and_no_other_package_names_it() {
    assertThat(OWNERS.keySet())
        .isEqualTo(CodeShape.tables(Path.of("src/main/resources/db/notifier")));
    assertThat(CodeShape.reachingAcross(Path.of("src/main/java/dev/nanogen/notifier"), OWNERS))
        .isEmpty();
  }
}
