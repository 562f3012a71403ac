package dev.nanogen.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The api-gateway: HTTP API, credit holds, the outbox relay and the settlement of outcomes. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class GatewayApplication {
  public static void main(String[] args) {
    var context = SpringApplication.run(GatewayApplication.class, args);
    if (context.getEnvironment().matchesProfiles("reconcile")) {
      System.exit(SpringApplication.exit(context));
    }
  }
}
