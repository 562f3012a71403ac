package dev.nanogen.notifier;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The notifier: tells users on Telegram how their generations ended. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class NotifierApplication {
  public static void main(String[] args) {
    SpringApplication.run(NotifierApplication.class, args);
  }
}
