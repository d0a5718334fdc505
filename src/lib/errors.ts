// Named errors. Each carries the exit code the CLI uses and says what to do about it.

export class MusicflowError extends Error {
  constructor(message: string, readonly exitCode: number = 1) {
    super(message);
    this.name = new.target.name;
  }
}

/** Wrong flags or arguments: exit 2. */
export class UsageError extends MusicflowError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A file the user named cannot be used as given: exit 1, naming the file and the fix. */
export class InputFileError extends MusicflowError {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`, 1);
  }
}

/** A configured backend (Kafka, Redis, ...) cannot be reached. */
export class BackendUnavailableError extends MusicflowError {
  constructor(readonly backend: string, detail: string) {
    super(`${backend} is unreachable: ${detail}`, 1);
  }
}

/** An embedded data file SQLite cannot read as a database: names it, what it held and how to get that back. */
export class DamagedFileError extends MusicflowError {
  constructor(readonly file: string, readonly reason: string, readonly remedy: string) {
    super(`${file} is damaged (${reason}): ${remedy}`, 1);
  }
}

/** An embedded data file that cannot be written: permissions, a read-only file system or a full disk. */
export class UnwritableFileError extends MusicflowError {
  constructor(readonly file: string, readonly reason: string, readonly remedy: string) {
    super(`cannot write ${file} (${reason}): ${remedy}`, 1);
  }
}
