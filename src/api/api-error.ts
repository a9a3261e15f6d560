// The Lambda API error family lives in src/errors so the engine can throw it without importing the API.
export * from '../errors/api-error.js';
