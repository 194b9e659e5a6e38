/**
 * The typed errors a decoder may throw. Whatever the bytes, decoding yields a value or one of
 * these; anything else escaping a decoder is a bug.
 *
 * @module
 */

/** Bytes that do not form a valid message of the protocol. Base class of the others. */
export class ProtocolError extends Error {
  /** Creates a protocol error with a specific message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProtocolError";
  }
}

/** Fewer bytes than the message declares or needs. */
export class TruncatedError extends ProtocolError {
  /** Creates a truncation error with a specific message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TruncatedError";
  }
}

/** A declared or actual size above the receiver's limit; raised before anything is allocated. */
export class SizeLimitError extends ProtocolError {
  /** Creates a size limit error with a specific message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SizeLimitError";
  }
}

/** Text that is not valid UTF-8, or a name that breaks the naming rules (§1.2). */
export class InvalidTextError extends ProtocolError {
  /** Creates an invalid text error with a specific message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidTextError";
  }
}
