package dev.kvstore.store.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The JSON body of every error answer: what went wrong and, for misdirected writes, where to go. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorBody(String error, String primary) {
}
