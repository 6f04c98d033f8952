export * from './schemas';
export * from './transport';
export * from './client';
