import './base.css';
import './display.css';
import './editor.css';
import './composer-db.css';
import './database.css';
import './verify.css';
import './predict.css';
