export * from './payloads';
