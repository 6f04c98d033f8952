export * from './schemas';
export * from './transport';
export * from './client';
export * from './accounts';
export * from './clients/accounts';
