package dev.nanogen.ops.files;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * S3 with an IAM role through a web identity (IRSA on EKS, or any OIDC federation): the default
 * credentials chain that {@link FileStorage} uses without static keys reads the role and token file
 * (as EKS sets them) and assumes the role at STS — here a local STS endpoint that answers
 * AssumeRoleWithWebIdentity as AWS documents it. Without the STS module on the class path the chain
 * finds no credentials at all.
 */
class WebIdentityCredentialsTest {
  private static final String ROLE = "arn:aws:iam::123456789012:role/nanogen-worker";

  @Test
  void the_default_chain_assumes_the_role_of_a_web_identity_token_file() throws Exception {
    Path token = Files.createTempFile("eks-token", ".jwt");
    Files.writeString(token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJuYW5vZ2VuIn0.c2ln");
    AtomicReference<Map<String, String>> asked = new AtomicReference<>();
    HttpServer sts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    sts.createContext(
        "/",
        exchange -> {
          asked.set(
              form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
          byte[] answer = ASSUMED.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/xml");
          exchange.sendResponseHeaders(200, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    sts.start();
    Map<String, String> properties =
        Map.of(
            "aws.webIdentityTokenFile",
            token.toString(),
            "aws.roleArn",
            ROLE,
            "aws.roleSessionName",
            "nanogen-test",
            "aws.region",
            "eu-central-1",
            "aws.endpointUrlSts",
            "http://127.0.0.1:" + sts.getAddress().getPort());
    properties.forEach(System::setProperty);
    try {
      AwsCredentials credentials =
          DefaultCredentialsProvider.builder().build().resolveCredentials();

      assertThat(credentials.accessKeyId()).isEqualTo("ASIAROLECREDENTIALS");
      assertThat(credentials).isInstanceOf(AwsSessionCredentials.class);
      assertThat(((AwsSessionCredentials) credentials).sessionToken()).isEqualTo("session-token");
      assertThat(asked.get())
          .containsEntry("Action", "AssumeRoleWithWebIdentity")
          .containsEntry("RoleArn", ROLE)
          .containsEntry("WebIdentityToken", Files.readString(token));
    } finally {
      properties.keySet().forEach(System::clearProperty);
      sts.stop(0);
      Files.deleteIfExists(token);
    }
  }

  private static Map<String, String> form(String body) {
    Map<String, String> fields = new java.util.HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        fields.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return fields;
  }

  private static final String ASSUMED =
      """
      <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
        <AssumeRoleWithWebIdentityResult>
          <SubjectFromWebIdentityToken>system:serviceaccount:nanogen:generation-worker</SubjectFromWebIdentityToken>
          <AssumedRoleUser>
            <Arn>arn:aws:sts::123456789012:assumed-role/nanogen-worker/nanogen-test</Arn>
            <AssumedRoleId>AROAEXAMPLE:nanogen-test</AssumedRoleId>
          </AssumedRoleUser>
          <Credentials>
            <SessionToken>session-token</SessionToken>
            <SecretAccessKey>role-secret</SecretAccessKey>
            <Expiration>2099-01-01T00:00:00Z</Expiration>
            <AccessKeyId>ASIAROLECREDENTIALS</AccessKeyId>
          </Credentials>
          <Provider>oidc.eks.example</Provider>
          <Audience>sts.amazonaws.com</Audience>
        </AssumeRoleWithWebIdentityResult>
        <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
      </AssumeRoleWithWebIdentityResponse>
      """;
}
