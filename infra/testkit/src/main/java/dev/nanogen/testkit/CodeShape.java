package dev.nanogen.testkit;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The shape every service holds, checked by each module's tests: its packages depend on each other
 * without a cycle, and each table it migrates is named in SQL only by the package that owns it.
 */
public final class CodeShape {
  private static final Pattern TEXT_BLOCK = Pattern.compile("\"\"\"(.*?)\"\"\"", Pattern.DOTALL);
  private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");
  private static final Pattern TABLE_IN_SQL =
      Pattern.compile("\\b(?:FROM|JOIN|INTO|UPDATE)\\s+(?:[a-z_][a-z0-9_]*\\.)?([a-z_][a-z0-9_]*)");
  private static final Pattern TABLE_WRITTEN =
      Pattern.compile(
          "\\b(?:INSERT\\s+INTO|(?<!FOR\\s)(?<!DO\\s)UPDATE|DELETE\\s+FROM|FOR\\s+UPDATE\\s+OF)\\s+"
              + "(?:[a-z_][a-z0-9_]*\\.)?([a-z_][a-z0-9_]*)");
  private static final Pattern CREATE_TABLE =
      Pattern.compile("CREATE TABLE (?:IF NOT EXISTS )?(?:[a-z_0-9]+\\.)?([a-z_0-9]+)");

  private CodeShape() {}

  /**
   * Fails, naming the loop, when two packages under {@code rootPackage} depend on each other
   * (directly or around a cycle), read from the module's compiled classes.
   */
  public static void assertPackagesAcyclic(String rootPackage) {
    slices().matching(rootPackage + ".(*)..").should().beFreeOfCycles().check(classes(rootPackage));
  }

  /**
   * The package graph under {@code rootPackage}, read from the compiled classes: for each top-level
   * package (the root itself is {@code ""}), the other top-level packages it uses. Compared whole
   * by the services' tests, so an edge that appears or goes away is seen.
   */
  public static Map<String, Set<String>> packageGraph(String rootPackage) {
    Map<String, Set<String>> graph = new TreeMap<>();
    for (JavaClass type : classes(rootPackage)) {
      String from = topPackage(rootPackage, type.getPackageName());
      graph.computeIfAbsent(from, k -> new TreeSet<>());
      for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
        String target = dependency.getTargetClass().getPackageName();
        if (target.equals(rootPackage) || target.startsWith(rootPackage + ".")) {
          String to = topPackage(rootPackage, target);
          if (!to.equals(from)) {
            graph.get(from).add(to);
          }
        }
      }
    }
    return graph;
  }

  /**
   * Top-level types under {@code rootPackage} that are public though no other package of it uses
   * them (the application class, which only its launcher uses, aside): each should be package
   * private, so a package's surface is what other packages really call.
   */
  public static Set<String> publicWithoutReason(String rootPackage) {
    JavaClasses types = classes(rootPackage);
    Set<String> usedAcross = new TreeSet<>();
    for (JavaClass type : types) {
      for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
        JavaClass target = dependency.getTargetClass();
        while (target.getEnclosingClass().isPresent()) {
          target = target.getEnclosingClass().get();
        }
        String from = topPackage(rootPackage, type.getPackageName());
        if (target.getPackageName().startsWith(rootPackage)
            && !topPackage(rootPackage, target.getPackageName()).equals(from)) {
          usedAcross.add(target.getName());
        }
      }
    }
    Set<String> needless = new TreeSet<>();
    for (JavaClass type : types) {
      if (type.isTopLevelClass()
          && type.getModifiers().contains(JavaModifier.PUBLIC)
          && !usedAcross.contains(type.getName())
          && !type.isAnnotatedWith(
              "org.springframework.boot.autoconfigure.SpringBootApplication")) {
        needless.add(type.getName().substring(rootPackage.length() + 1));
      }
    }
    return needless;
  }

  private static JavaClasses classes(String rootPackage) {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages(rootPackage);
  }

  private static String topPackage(String rootPackage, String packageName) {
    if (packageName.equals(rootPackage)) {
      return "";
    }
    String rest = packageName.substring(rootPackage.length() + 1);
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  /** The tables the migrations under {@code migrations} create. */
  public static Set<String> tables(Path migrations) {
    Set<String> tables = new TreeSet<>();
    for (Path file : files(migrations, ".sql")) {
      Matcher m = CREATE_TABLE.matcher(read(file));
      while (m.find()) {
        tables.add(m.group(1));
      }
    }
    return tables;
  }

  /**
   * Every "{@code package.Type → table}" where a type's SQL (string literals and text blocks) names
   * a table that {@code owners} does not give to the type's package.
   *
   * @param sources the module's root package directory (src/main/java/dev/nanogen/…)
   * @param owners table → the packages (first segment below the root) that own it
   */
  public static Set<String> reachingAcross(Path sources, Map<String, Set<String>> owners) {
    return across(sources, owners, TABLE_IN_SQL);
  }

  /**
   * Every "{@code package.Type → table}" where a type's SQL writes (INSERT INTO, UPDATE, DELETE
   * FROM) or locks (FOR UPDATE OF) a table its package does not own.
   */
  public static Set<String> writingAcross(Path sources, Map<String, Set<String>> owners) {
    return across(sources, owners, TABLE_WRITTEN);
  }

  private static Set<String> across(Path sources, Map<String, Set<String>> owners, Pattern naming) {
    Set<String> outside = new TreeSet<>();
    for (Path file : files(sources, ".java")) {
      String type = sources.relativize(file).toString().replace('/', '.').replace(".java", "");
      String pkg = type.contains(".") ? type.substring(0, type.indexOf('.')) : "";
      for (String table : tablesNamedIn(read(file), owners.keySet(), naming)) {
        if (!owners.get(table).contains(pkg)) {
          outside.add(type + " → " + table);
        }
      }
    }
    return outside;
  }

  private static Set<String> tablesNamedIn(String source, Set<String> tables, Pattern naming) {
    StringBuilder sql = new StringBuilder();
    Matcher blocks = TEXT_BLOCK.matcher(source);
    while (blocks.find()) {
      sql.append(blocks.group(1)).append('\n');
    }
    Matcher literals = LITERAL.matcher(TEXT_BLOCK.matcher(source).replaceAll(""));
    while (literals.find()) {
      sql.append(literals.group(1)).append('\n');
    }
    Set<String> named = new TreeSet<>();
    Matcher m = naming.matcher(sql);
    while (m.find()) {
      if (tables.contains(m.group(1))) {
        named.add(m.group(1));
      }
    }
    return named;
  }

  private static java.util.List<Path> files(Path root, String suffix) {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(f -> f.toString().endsWith(suffix)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
