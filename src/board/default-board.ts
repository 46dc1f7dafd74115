// The board a command targets when --board is not given (a leaf module: the CLI's flag table reads it at start-up).
export const DEFAULT_BOARD = 'stm32f746';
