package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.nanogen.client.ApiClient;
import dev.nanogen.client.ApiException;
import dev.nanogen.client.api.AccountApi;
import dev.nanogen.client.api.GenerationsApi;
import dev.nanogen.client.api.ModelsApi;
import dev.nanogen.client.api.PaymentsApi;
import dev.nanogen.client.api.UploadsApi;
import dev.nanogen.client.model.GenerationView;
import dev.nanogen.client.model.InvoiceRequest;
import dev.nanogen.client.model.LedgerEntry;
import dev.nanogen.client.model.ModelView;
import dev.nanogen.client.model.Problem;
import dev.nanogen.client.model.StartRequest;
import dev.nanogen.client.model.StartResponse;
import dev.nanogen.client.model.Upload;
import dev.nanogen.model.GenerationSucceeded;
import dev.nanogen.model.Topics;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The main flow through a Java client that openapi-generator (java, native library) generated from
 * docs/openapi.json at build time — a third party's reading of the document, not ours: typed
 * methods named as the document names the operations, enums for statuses and kinds, and problems
 * read as the document's Problem.
 */
class GeneratedClientTest extends IntegrationTest {

  private ApiClient client(long user) {
    ApiClient client = new ApiClient();
    client.updateBaseUri(uri("").toString().replaceAll("/$", ""));
    client.setRequestInterceptor(
        request -> request.header("Authorization", "tma " + initData(user)));
    return client;
  }

  @Test
  void a_mini_app_s_flow_runs_through_the_typed_client() throws Exception {
    long user = newUserId();
    grant(user, 20);
    ApiClient client = client(user);
    GenerationsApi generations = new GenerationsApi(client);

    ModelView flux =
        new ModelsApi(client)
            .listModels().getItems().stream()
                .filter(m -> m.getId().equals("flux-schnell"))
                .findFirst()
                .orElseThrow();
    assertThat(flux.getKind()).isEqualTo(ModelView.KindEnum.IMAGE);
    assertThat(new AccountApi(client).getMe().getCreditsAvailable()).isEqualTo(20);

    StartResponse started =
        generations.startGeneration(
            new StartRequest().modelId("flux-schnell").prompt("a typed cat"), "typed-" + user);
    assertThat(started.getStatus()).isEqualTo(StartResponse.StatusEnum.PENDING);
    assertThat(started.getCreditsAvailable()).isEqualTo(20 - started.getPrice());
    UUID id = started.getGenerationId();

    publish(
        Topics.OUTCOMES,
        id.toString(),
        new GenerationSucceeded(
            UUID.randomUUID(),
            Instant.now(),
            GenerationSucceeded.SCHEMA_VERSION,
            id,
            List.of("https://files.example/typed.png"),
            900,
            "aiml",
            BigDecimal.ONE));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> generations.getGeneration(id).getStatus() == GenerationView.StatusEnum.COMPLETED);
    GenerationView done = generations.getGeneration(id);
    assertThat(done.getResultUrls()).containsExactly("https://files.example/typed.png");
    assertThat(done.getError()).isNull();
    assertThat(generations.listGenerations(10, null, null).getItems())
        .extracting(GenerationView::getGenerationId)
        .contains(id);
    assertThat(new AccountApi(client).listLedger(10, null).getItems())
        .extracting(LedgerEntry::getKind)
        .contains(LedgerEntry.KindEnum.HOLD, LedgerEntry.KindEnum.CAPTURE);

    PaymentsApi payments = new PaymentsApi(client);
    String pack = payments.listCreditPacks().getItems().getFirst().getId();
    assertThat(payments.createInvoice(new InvoiceRequest().packId(pack), null).getInvoiceLink())
        .isNotBlank();

    ApiException unknown =
        catchThrowableOfType(
            ApiException.class,
            () ->
                generations.startGeneration(
                    new StartRequest().modelId("no-such-model").prompt("x"), null));
    assertThat(unknown.getCode()).isEqualTo(404);
    Problem problem = client.getObjectMapper().readValue(unknown.getResponseBody(), Problem.class);
    assertThat(problem.getCode()).isEqualTo(Problem.CodeEnum.MODEL_NOT_FOUND);
    assertThat(problem.getMessage()).isNotBlank();
    assertThat(new AccountApi(client).getMe().getCreditsAvailable())
        .as("nothing held for a refused start")
        .isEqualTo(20 - started.getPrice());

    ApiException broke =
        catchThrowableOfType(
            ApiException.class,
            () ->
                generations.startGeneration(
                    new StartRequest().modelId("veo-3").prompt("too dear"), null));
    assertThat(broke.getCode()).isEqualTo(402);
    Problem insufficient =
        client.getObjectMapper().readValue(broke.getResponseBody(), Problem.class);
    assertThat(insufficient.getCode()).isEqualTo(Problem.CodeEnum.INSUFFICIENT_CREDITS);
    assertThat(insufficient.getAvailable()).isEqualTo(20 - started.getPrice());
    assertThat(insufficient.getRequired()).isGreaterThan(insufficient.getAvailable());
  }

  @Test
  void a_photo_is_uploaded_edited_and_deleted_through_the_typed_client() throws Exception {
    createFilesSchema();
    long user = newUserId();
    grant(user, 20);
    ApiClient client = client(user);
    UploadsApi uploads = new UploadsApi(client);
    java.nio.file.Path photo = java.nio.file.Files.createTempFile("typed-", ".png");
    java.nio.file.Files.write(photo, dev.nanogen.gateway.uploads.TestImages.png(12, 9));

    Upload upload = uploads.createUpload(photo.toFile());
    assertThat(upload.getContentType()).isEqualTo(Upload.ContentTypeEnum.IMAGE_PNG);
    assertThat(upload.getWidth()).isEqualTo(12);
    assertThat(uploads.listUploads(10, null).getItems())
        .extracting(Upload::getUploadId)
        .containsExactly(upload.getUploadId());
    assertThat(
            new ModelsApi(client)
                .listModels().getItems().stream()
                    .filter(m -> m.getId().equals("nano-banana-edit"))
                    .findFirst()
                    .orElseThrow()
                    .getInputs()
                    .getMax())
        .isEqualTo(4);

    StartResponse started =
        new GenerationsApi(client)
            .startGeneration(
                new StartRequest()
                    .modelId("nano-banana-edit")
                    .prompt("a typed painting")
                    .inputIds(List.of(upload.getUploadId())),
                null);
    assertThat(new GenerationsApi(client).getGeneration(started.getGenerationId()).getInputIds())
        .containsExactly(upload.getUploadId());

    uploads.deleteUpload(upload.getUploadId());
    ApiException gone =
        catchThrowableOfType(
            ApiException.class,
            () ->
                new GenerationsApi(client)
                    .startGeneration(
                        new StartRequest()
                            .modelId("nano-banana-edit")
                            .prompt("again")
                            .inputIds(List.of(upload.getUploadId())),
                        null));
    assertThat(gone.getCode()).isEqualTo(404);
    assertThat(client.getObjectMapper().readValue(gone.getResponseBody(), Problem.class).getCode())
        .isEqualTo(Problem.CodeEnum.UPLOAD_NOT_FOUND);
    java.nio.file.Files.delete(photo);
  }
}
