export * from './schemas';
export * from './transport';
export * from './client';
export * from './models';
export * from './clients/models';
export * from '../datasets/canonical';
export * from './accounts';
export * from './clients/accounts';
