package dev.lorillama.server;

/**
 * A request the server refuses, answered with an OpenAI-style error body:
 * {@code {"error": {"message", "type", "param", "code"}}}.
 */
final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;
    /** Seconds after which the client may try again (a Retry-After header), or 0. */
    final long retryAfterSeconds;

    ApiError(int status, String type, String param, String code, String message) {
        this(status, type, param, code, message, 0);
    }

    private ApiError(int status, String type, String param, String code, String message, long retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Every place in the batch is taken and the queue behind it is full: 503 with Retry-After. */
    static ApiError busy(String message, long retryAfterSeconds) {
        return new ApiError(503, "server_error", null, "server_overloaded", message, retryAfterSeconds);
    }

    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, "invalid_value", message);
    }

    /** A field this server does not implement, set to a value that would change the reply. */
    static ApiError unsupported(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, "unsupported_parameter", message);
    }

    static ApiError unknownParameter(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, "unknown_parameter", message);
    }

    static ApiError unauthorized(String message) {
        return new ApiError(401, "invalid_request_error", null, "invalid_api_key", message);
    }

    static ApiError tooLarge(long limit) {
        return new ApiError(413, "invalid_request_error", null, "request_too_large",
                "The request body is larger than this server's limit of " + limit + " bytes");
    }

    static ApiError contextLengthExceeded(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, "context_length_exceeded", message);
    }

    static ApiError unknownModel(String model, String known) {
        return new ApiError(404, "invalid_request_error", "model", "model_not_found",
                "The model '" + model + "' does not exist; this server has: " + known
                        + " (and combinations of adapters joined with '+', e.g. 'a+b' or 'a*0.6+b*0.4 (linear)')");
    }
}
