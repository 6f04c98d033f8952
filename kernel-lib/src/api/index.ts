export * from './schemas';
export * from './transport';
export * from './client';
export * from './records';
export * from './clients/records';
