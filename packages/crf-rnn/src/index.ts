/** Placeholder until the package lands. */
export const PACKAGE_NAME = '@deepigeos/crf-rnn';
