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

    ApiError(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, "invalid_value", message);
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
